-- One database per service on the compose PostgreSQL (the first comes from
-- POSTGRES_DB). Runs once, when the data volume is new.
CREATE DATABASE waste_locations;
CREATE DATABASE waste_analytics;
