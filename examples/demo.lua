print(glass.version)
