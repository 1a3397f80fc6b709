"""The local platform: nginx and the services' colours under supervisord."""
