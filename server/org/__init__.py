"""Organisation: the company, departments, people, roles and HR scope."""
