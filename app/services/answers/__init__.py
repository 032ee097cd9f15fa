"""Answers: recorded from the page or the widget, listed with filters, analysed (sentiment, themes)."""
