-- A campaign's targets partition analysed by name, so that the importer needs no SQL
-- built in Python (the partition's name is the database's business: targets_partition).
CREATE FUNCTION analyze_targets(campaign bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ANALYZE %I', targets_partition(campaign));
END
$$;
