"""Insights: KPIs by period and segment with intervals, ticket drivers, the event log, exports."""
