"""UI layer between pages/ and core/: Altair chart builders and shared Streamlit widgets."""
