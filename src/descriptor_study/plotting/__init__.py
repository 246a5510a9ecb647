"""The paper's figures (one module per study) and the shared style."""
