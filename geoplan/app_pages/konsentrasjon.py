import streamlit as st
st.title("konsentrasjon")
