"""Results read-models for pages and dashboards (the results table, scheme lookups, certificate
lists, dashboard panels). They read; they change nothing. Services re-export what views use."""
