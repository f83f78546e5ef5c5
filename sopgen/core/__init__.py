"""The small core every stage uses: the model, errors, the label catalogue, writing, processes."""
