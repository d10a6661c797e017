"""The pages of the Streamlit app (``app.py``); each file is one page script.

``ui`` holds what the pages share (error handling, the map component, tables).
"""
