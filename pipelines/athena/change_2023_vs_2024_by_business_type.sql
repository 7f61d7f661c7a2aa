-- Licences per business type in folder year 2023 vs 2024: absolute and percentage change
WITH by_type AS (
    SELECT
        business_type,
        SUM(CASE WHEN folder_year = 2023 THEN licence_count ELSE 0 END) AS licences_2023,
        SUM(CASE WHEN folder_year = 2024 THEN licence_count ELSE 0 END) AS licences_2024
    FROM business_types_by_year
    WHERE folder_year IN (2023, 2024)
    GROUP BY business_type
)
SELECT
    business_type,
    licences_2023,
    licences_2024,
    licences_2024 - licences_2023 AS licence_change,
    CASE
        WHEN licences_2023 > 0
        THEN ROUND(100 * CAST(licences_2024 - licences_2023 AS DOUBLE) / licences_2023, 1)
    END AS pct_change
FROM by_type
ORDER BY licence_change DESC, business_type
