"""JP (jam pelajaran): the ledger of JP each person earns per calendar year, where each line
came from (a course, a program, a verified external training), the yearly targets, and the
external training people record for an admin to verify.

A leaf feature below courses and results: they credit and revoke JP through ``lms.jp.services``;
this feature imports only ``lms.accounts`` and infrastructure."""
