"""The StepheyBot Music integration."""
