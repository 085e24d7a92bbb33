"""The HTTP face of devkg: one blueprint per area, one media-type table, one error path."""
