"""Pure business rules: plain values in, plain values out, no Django import."""
