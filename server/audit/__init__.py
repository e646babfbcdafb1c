"""The access log: who read another person's sensitive records ("who viewed my data")."""
