"""geoplan/present/app"""
