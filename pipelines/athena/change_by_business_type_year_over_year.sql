-- Licences per business type in the environment's latest two dataset years: absolute and percentage change
WITH by_type AS (
    SELECT
        business_type,
        SUM(CASE WHEN folder_year = {{previous_year}} THEN licence_count ELSE 0 END) AS licences_previous,
        SUM(CASE WHEN folder_year = {{latest_year}} THEN licence_count ELSE 0 END) AS licences_latest
    FROM business_types_by_year
    WHERE folder_year IN ({{previous_year}}, {{latest_year}})
    GROUP BY business_type
)
SELECT
    business_type,
    {{previous_year}} AS previous_year,
    {{latest_year}} AS latest_year,
    licences_previous,
    licences_latest,
    licences_latest - licences_previous AS licence_change,
    CASE
        WHEN licences_previous > 0
        THEN ROUND(100 * CAST(licences_latest - licences_previous AS DOUBLE) / licences_previous, 1)
    END AS pct_change
FROM by_type
ORDER BY licence_change DESC, business_type
