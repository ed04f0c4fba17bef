-- A bill billing reports paid ends its targets as already_paid before they are dialled
-- (issue 18): the claim, the payments' intake, the agents' hub and "why" look payments
-- up by bill — IndiHome number and month — not only by number.
CREATE INDEX payments_bill ON payments (indihome_number, bill_month);
