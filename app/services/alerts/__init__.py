"""Alert rules: rules.py (what a workspace sets), matching.py (does an answer match), sweep.py
(debounce, quiet hours, cooldown, batching), messages.py (what is said), notify.py (saying it)."""
