"""UI layer between views/ and core/: Altair chart builders and shared Streamlit widgets."""
