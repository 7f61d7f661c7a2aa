-- Licences issued per calendar month (local issue date), all folder years, oldest month first
SELECT
    month_start,
    issued_year,
    issued_month,
    SUM(licence_count) AS licences_issued
FROM licences_by_month
GROUP BY month_start, issued_year, issued_month
ORDER BY month_start
