"""geoplan/io"""
