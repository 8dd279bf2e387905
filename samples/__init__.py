"""Sample models shipped with archrev: `archrev validate` them, or import them to explore."""
