"""Group parent: a parent's driver against the scripted mock child."""

from schemas import Schemas


def load_schemas(directory: str) -> Schemas:
    return Schemas(directory)
