"""geoplan/analysis"""
