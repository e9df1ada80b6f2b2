"""landplan: plan industrial land for high-tech projects.

Load parcel layers, match candidate projects to parcels with an integer program,
share the land development cost under the high-tech cost cap, and report.
"""

__version__ = "0.1.0"
