-- 0004: xAPI 2.0 (IEEE 9274.1.1-2023), issue #23. Strict validation by the statement's version: a statement whose
-- version is 2.x is checked against 2.0's tables (contextAgents and contextGroups, RFC 3339 timestamps, version
-- 2.0.0), any other against 1.0.3's, and one without a version against XAPI_DEFAULT_VERSION's (each load passes it
-- in `default_version`; '' from a load of an earlier version means 1.0.3). The people of 2.0's context agents and
-- groups are in person_keys (erasure finds them).
--
-- 2.0's context agents and groups are typed columns of statements, computed from the stored statement (`raw`) as
-- it is written, and for rows loaded before as they are read: no reload needed to query them. Their agent keys are
-- the parse views' (`actor_key`, `context_instructor_key`): an anonymous Group is keyed by its members.
-- @derived 10_parse_views.sql 66469be71db60e82828f32e1db26c6015f9cfaed7e8e807828b3e5f1d23246d3

ALTER TABLE ingest_lines_strict {{on_cluster}}
    ADD COLUMN IF NOT EXISTS default_version LowCardinality(String) DEFAULT '';
ALTER TABLE ingest_lines_lenient {{on_cluster}}
    ADD COLUMN IF NOT EXISTS default_version LowCardinality(String) DEFAULT '';

ALTER TABLE {{local statements}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS context_agents Array(Tuple(agent_key String, relevant_types Array(String))) MATERIALIZED
        if(position(raw, '"contextAgents"') = 0, [], arrayMap(a -> (
            arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(JSONExtractRaw(a, 'agent'), 'mbox', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'openid', 'Nullable(String)'),
                JSONExtract(JSONExtractRaw(a, 'agent'), 'account', 'homePage', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'account', 'name', 'Nullable(String)'))])[1],
            JSONExtract(a, 'relevantTypes', 'Array(String)')),
        JSONExtractArrayRaw(raw, 'context', 'contextAgents')))
        COMMENT 'xAPI 2.0 context.contextAgents: each Agent''s normalised key and its relevant types' AFTER context_team_key,
    ADD COLUMN IF NOT EXISTS context_groups Array(Tuple(group_key String, member_keys Array(String), relevant_types Array(String))) MATERIALIZED
        if(position(raw, '"contextGroups"') = 0, [], arrayMap(g -> arrayMap((gk, mk) -> (
                if(gk = '' AND notEmpty(mk), concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(mk)), '\n'))))), gk),
                mk,
                JSONExtract(g, 'relevantTypes', 'Array(String)')),
            [arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(JSONExtractRaw(g, 'group'), 'mbox', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'openid', 'Nullable(String)'),
                JSONExtract(JSONExtractRaw(g, 'group'), 'account', 'homePage', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'account', 'name', 'Nullable(String)'))])[1]],
            [arrayFilter(k -> k != '', arrayMap(m -> arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(m, 'mbox', 'Nullable(String)'), JSONExtract(m, 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(m, 'openid', 'Nullable(String)'),
                JSONExtract(m, 'account', 'homePage', 'Nullable(String)'), JSONExtract(m, 'account', 'name', 'Nullable(String)'))])[1], JSONExtractArrayRaw(g, 'group', 'member')))])[1],
        JSONExtractArrayRaw(raw, 'context', 'contextGroups')))
        COMMENT 'xAPI 2.0 context.contextGroups: each Group''s key, its members'' keys, its relevant types' AFTER context_agents;
-- Sharded: the Distributed table has them MATERIALIZED too, so that an insert through it does not send them.
ALTER TABLE statements {{on_cluster}}
    ADD COLUMN IF NOT EXISTS context_agents Array(Tuple(agent_key String, relevant_types Array(String))) MATERIALIZED
        if(position(raw, '"contextAgents"') = 0, [], arrayMap(a -> (
            arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(JSONExtractRaw(a, 'agent'), 'mbox', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'openid', 'Nullable(String)'),
                JSONExtract(JSONExtractRaw(a, 'agent'), 'account', 'homePage', 'Nullable(String)'), JSONExtract(JSONExtractRaw(a, 'agent'), 'account', 'name', 'Nullable(String)'))])[1],
            JSONExtract(a, 'relevantTypes', 'Array(String)')),
        JSONExtractArrayRaw(raw, 'context', 'contextAgents')))
        COMMENT 'xAPI 2.0 context.contextAgents: each Agent''s normalised key and its relevant types' AFTER context_team_key,
    ADD COLUMN IF NOT EXISTS context_groups Array(Tuple(group_key String, member_keys Array(String), relevant_types Array(String))) MATERIALIZED
        if(position(raw, '"contextGroups"') = 0, [], arrayMap(g -> arrayMap((gk, mk) -> (
                if(gk = '' AND notEmpty(mk), concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(mk)), '\n'))))), gk),
                mk,
                JSONExtract(g, 'relevantTypes', 'Array(String)')),
            [arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(JSONExtractRaw(g, 'group'), 'mbox', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'openid', 'Nullable(String)'),
                JSONExtract(JSONExtractRaw(g, 'group'), 'account', 'homePage', 'Nullable(String)'), JSONExtract(JSONExtractRaw(g, 'group'), 'account', 'name', 'Nullable(String)'))])[1]],
            [arrayFilter(k -> k != '', arrayMap(m -> arrayMap(i -> multiIf(
                    trimBoth(ifNull(i.1, '')) != '',
                        concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
                    ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
                    trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
                    ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
                        -- lower(scheme://host) ++ the rest
                        concat('account::',
                            lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                            substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                            '::', i.5),
                    ''), [(JSONExtract(m, 'mbox', 'Nullable(String)'), JSONExtract(m, 'mbox_sha1sum', 'Nullable(String)'), JSONExtract(m, 'openid', 'Nullable(String)'),
                JSONExtract(m, 'account', 'homePage', 'Nullable(String)'), JSONExtract(m, 'account', 'name', 'Nullable(String)'))])[1], JSONExtractArrayRaw(g, 'group', 'member')))])[1],
        JSONExtractArrayRaw(raw, 'context', 'contextGroups')))
        COMMENT 'xAPI 2.0 context.contextGroups: each Group''s key, its members'' keys, its relevant types' AFTER context_agents;
