"""The locations service: the places where waste is collected."""
