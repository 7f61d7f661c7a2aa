-- Licences per status and folder year, with each status's percentage of the year's licences
SELECT
    folder_year,
    status,
    licence_count,
    ROUND(100 * CAST(licence_count AS DOUBLE)
          / SUM(licence_count) OVER (PARTITION BY folder_year), 2) AS pct_of_year
FROM status_by_year
ORDER BY folder_year, licence_count DESC, status
