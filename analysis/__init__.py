"""Analysis of the results contract: reads only the files a job writes, never model objects."""
