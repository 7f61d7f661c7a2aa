-- Average licence fee paid per business type (licences with a fee, all folder years), highest first
SELECT
    business_type,
    SUM(fee_count) AS licences_with_fee,
    CAST(SUM(fee_total) AS DOUBLE) AS total_fee,
    ROUND(CAST(SUM(fee_total) AS DOUBLE) / SUM(fee_count), 2) AS average_fee
FROM fees_by_business_type
GROUP BY business_type
HAVING SUM(fee_count) > 0
ORDER BY average_fee DESC, business_type
