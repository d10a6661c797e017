"""geoplan/present"""
