"""The release in SPARQL stores: the one HTTP client, store profiles, publishing into a remote
store, serving it locally, and the site server with the w3id redirects (.htaccess)."""
