"""Which vulnerabilities hit which components: the portfolio index, matching and fan-out."""
