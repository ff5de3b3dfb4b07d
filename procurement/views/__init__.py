"""Views, one module per topic; procurement/urls.py wires them."""
