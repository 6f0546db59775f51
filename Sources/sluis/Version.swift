let sluisVersion = "0.1.0"
