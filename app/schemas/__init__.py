"""marshmallow shapes: what clients may send (unknown fields refused) and what they get back."""
