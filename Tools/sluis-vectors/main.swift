print("vectors")
