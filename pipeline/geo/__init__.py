"""Geography and enrichment reference data: datums, districts, facilities, grid cells.

Pure functions over shipped data files (``pipeline/data``); no Kafka or Elasticsearch.

- :mod:`pipeline.geo.buckets`: points in lat/lon grid buckets, found by box.
- :mod:`pipeline.geo.crs`: WGS-84 <-> GCJ-02 <-> BD-09 conversions.
- :mod:`pipeline.geo.districts`: point -> Shanghai district, district polygons.
- :mod:`pipeline.geo.facilities`: the facilities/resources registry and radius search.
- :mod:`pipeline.geo.grid`: H3 cells for aggregation.
- :mod:`pipeline.geo.sphere`: haversine distances and search boxes.
"""
