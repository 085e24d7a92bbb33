"""Records to RDF: one module per entity; `iris` mints every IRI."""
