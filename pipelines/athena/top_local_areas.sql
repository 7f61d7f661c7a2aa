-- Top 10 of the City's 22 local areas by number of licences, all folder years
SELECT
    local_area,
    SUM(licence_count) AS licences,
    SUM(issued_count) AS issued_licences
FROM licences_by_local_area
WHERE is_city_local_area
GROUP BY local_area
ORDER BY licences DESC, local_area
LIMIT 10
