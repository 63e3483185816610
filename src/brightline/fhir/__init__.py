"""HL7 FHIR R4: Brightline's records as FHIR resources (plain JSON dicts), pure.

The mapping takes the frozen views the access layer returns (``brightline.fhir.chart``) and
gives resources; it reads no database and no file. The codes are in ``codes`` and the tables
of docs/fhir.md list them.
"""
