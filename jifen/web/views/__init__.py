"""Web pages: thin views over the domain services and selectors, one module per area."""
