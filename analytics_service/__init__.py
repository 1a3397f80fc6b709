"""The analytics service: kilograms by material, place and period, from a replica."""
