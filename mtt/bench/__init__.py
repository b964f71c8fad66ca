"""``make bench`` (docs/product.md): scenarios, query counting, load, reminder timing and the
report. Used only by ``manage.py bench``; nothing in the product imports it."""
