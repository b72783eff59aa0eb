"""Responsibilities (phân công): which agency leads, supports or advises on which task.

They follow how Vietnamese plans assign work: "Sở X chủ trì, phối hợp với Sở Y …", "Sở X là cơ quan
thường trực", "Đề nghị Ủy ban MTTQ …", labelled fields ("Đơn vị chủ trì: …; Đơn vị phối hợp: …"), and
headings or list lines that name the agency once for the tasks below them ("3. Sở Tài chính:" /
"- Sở Nội vụ chủ trì …:" + "+ …"). Read sentence by sentence, not clause by clause: a list of agencies
joined by ";" is often the subject of one role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assistant.ingest.commitments.agencies import canonical_agency, find_agencies
from assistant.ingest.commitments.clauses import clauses, section_headings
from assistant.ingest.parsing import ParsedDocument, Section
from assistant.lexicon import facts as extract
from assistant.lexicon.areas import area_of

ROLES = extract.COMMITMENT_ROLES
_ROLE_WORD = extract.COMMITMENT_ROLE_WORD
_TITLE = r"(?:Chánh|Thủ trưởng|Chủ tịch|Giám đốc|Lãnh đạo|Trưởng ban|Người đứng đầu)"
# What may separate agencies listed together: "Chánh Văn phòng UBND tỉnh; Thủ trưởng các sở, …
# và các cơ quan …".
_CONNECTOR = re.compile(r"^[\s,;*]*(?:(?:và|cùng|với|cùng với)\s+)?(?:" + _TITLE + r"\s+)?[\s,;*]*$", re.IGNORECASE)
_OPENER = re.compile(r"^(?:[-+•*]\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+|[a-zđ]\)\s*|Điều\s+\d+\.?\s*)*"
                     r"(?:(?:Căn cứ|Trên cơ sở|Theo)\s[^,;:]{0,60},\s*)?"
                     r"(?:(?:Giao|Đề nghị|Yêu cầu)\s+)?(?:" + _TITLE + r"\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Responsibility:
    doc_id: str
    province: str
    agency: str
    agency_text: str
    role: str
    task: str
    area: str
    section: str
    sentence: str
    start: int
    end: int
    agency_from_heading: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _leading_agencies(text: str, stop: int | None = None,
                      agencies: list[extract.Found] | None = None) -> list[extract.Found]:
    """The agencies that open a clause, as a list: "- Sở Nội vụ: …", "Giao Sở Tài chính chủ trì …",
    "Chánh Văn phòng UBND tỉnh; Thủ trưởng các sở, ban ngành … chịu trách nhiệm …". ``agencies``: the
    clause's agencies when the caller has found them already."""
    opener = _OPENER.match(text)
    skip = opener.end() if opener else 0
    found = [f for f in (find_agencies(text) if agencies is None else agencies)
             if f.start >= skip and (stop is None or f.end <= stop)]
    if not found or found[0].start - skip > 2:
        return []
    return _list_after(text, found, found[0].start, len(text) if stop is None else stop)


def _section_owners(section: Section, by_path: Mapping[tuple[str, ...], Section]) -> list[str]:
    """Agencies named above the section own the tasks under it: a heading ("3. Sở Tài chính:"), or
    the line that closes a parent's own text ("Các sở, ban ngành và UBND cấp huyện:" before a), b) …)."""
    for depth in range(len(section.path), 0, -1):
        heading = section.path[depth - 1]
        found = _leading_agencies(heading)
        if found and len(heading) - found[-1].end < 40:
            return [f.text for f in found]
        parent = by_path.get(section.path[:depth])
        if parent is not None and parent is not section and parent.lines:
            last = parent.lines[-1].text.strip()
            found = _leading_agencies(last)
            if found and last.endswith(":") and len(last) - found[-1].end < 40:
                return [f.text for f in found]
    return []


def _list_after(text: str, agencies_found: list[extract.Found], start: int, stop: int) -> list[extract.Found]:
    """Agencies listed one after another from ``start``: "phối hợp với Sở Tư pháp, Sở Nội vụ và …"."""
    out: list[extract.Found] = []
    cursor = start
    for found in agencies_found:
        if found.start < start or found.start >= stop:
            continue
        if not _CONNECTOR.match(text[cursor:found.start]):
            break
        out.append(found)
        cursor = found.end
    return out


def _task(clause: str, role_end: int, section: Section) -> str:
    rest = re.sub(r"^[\s,:]*(?:phối hợp\s+)?(?:với\s+)?(?:các\s+cơ\s+quan,?\s+(?:đơn\s+vị\s+)?(?:có\s+)?liên\s+quan"
                  r"\s*)?", "", clause[role_end:], flags=re.IGNORECASE)
    rest = rest.strip(" ,:;.")
    words = rest.split()
    if len(words) >= 3:
        return " ".join(words[:25]) + (" …" if len(words) > 25 else "")
    label = re.sub(r"^\S+\s+", "", section.label) if re.match(r"^[\dIVXa-zđ]", section.label) else section.label
    return label.strip(" :")


def _subjects(clause: str, every: list[extract.Found], found: list[extract.Found], first_role: int,
              owners: list[str]) -> tuple[list[str], bool]:
    """Who performs the clause's roles, and whether they come from a heading rather than the clause.
    ``every``: all agencies of the clause; ``found``: those that can act (not "đề xuất của X")."""
    leading = _leading_agencies(clause, stop=first_role, agencies=every)
    if leading:
        return [f.text for f in leading], False
    before = [a for a in found if a.end <= first_role and first_role - a.end <= 30
              and not re.search(r"[;.:]", clause[a.end:first_role])]
    if before:
        return [before[-1].text], False
    if owners and (not found or found[0].start > first_role):
        return owners, True  # "- Chủ trì, phối hợp …" under a heading that names the agency
    return [], False


# Task lists often name the agencies in labelled fields: "Đơn vị chủ trì thực hiện: Sở Tư pháp. Đơn vị phối
# hợp: Sở Nội vụ, các cơ quan liên quan." (also "Cơ quan chủ trì:", "Đơn vị chủ trì tham mưu thực hiện:").
_FIELD = re.compile(r"(?:Đơn vị|Cơ quan)\s+(chủ trì|phối hợp)(\s+tham mưu)?(?:\s+thực hiện)?\s*:\s*", re.IGNORECASE)


def _fields(clause: str, found: list[extract.Found]) -> list[tuple[str, str, bool]] | None:
    matches = list(_FIELD.finditer(clause))
    if not matches:
        return None
    out: list[tuple[str, str, bool]] = []
    for i, m in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(clause)
        listed = _list_after(clause, found, m.end(), stop)
        role = m.group(1).lower()
        out += [(a.text, role, False) for a in listed]
        if m.group(2):
            out += [(a.text, "tham mưu", False) for a in listed]
    return out


def _assign(clause: str, owners: list[str]) -> list[tuple[str, str, bool]]:
    """(agency as written, role, from heading) for one clause."""
    roles_found = list(_ROLE_WORD.finditer(clause))
    if not roles_found:
        return []
    every = find_agencies(clause)
    found = [a for a in every if not re.search(r"\bcủa\s+$", clause[:a.start])]  # not "đề xuất của X"
    fielded = _fields(clause, found)
    if fielded is not None:
        return _unique(fielded)
    subjects, from_heading = _subjects(clause, every, found, roles_found[0].start(), owners)
    leads = any(m.group(1).lower() == "chủ trì" for m in roles_found)
    out: list[tuple[str, str, bool]] = []
    for i, m in enumerate(roles_found):
        role = re.sub(r"^có ", "chịu ", m.group(1).lower())
        stop = roles_found[i + 1].start() if i + 1 < len(roles_found) else len(clause)
        prefix = clause[max(0, m.start() - 12):m.start()].lower()
        if re.search(r"(?:hiệu quả|công tác|sự|việc|cơ chế|quy chế|mối)\s+$", prefix):
            continue  # "nâng cao hiệu quả phối hợp …": the word as a noun assigns nothing
        if role == "đề nghị":
            if "theo" in prefix or "của" in clause[m.end():m.end() + 6]:
                continue  # "theo đề nghị của Sở Nội vụ" cites a proposal, it assigns nothing
            out += [(a.text, role, False) for a in _list_after(clause, found, m.end(), stop)]
            continue
        if role == "phối hợp":
            partners_at = m.end() + re.match(r"\s*(?:với\s+)?", clause[m.end():]).end()  # type: ignore[union-attr]
            partners = _list_after(clause, found, partners_at, stop)
            if leads or not subjects:
                # "X chủ trì, phối hợp với Y": Y is the partner
                out += [(a.text, role, False) for a in partners]
            else:
                # "X phối hợp với Y": X is the partner of Y, who leads
                out += [(a, role, from_heading) for a in subjects]
            continue
        if role == "chủ trì":
            after = re.match(r"\s*(?::|là)\s*", clause[m.end():])
            listed = _list_after(clause, found, m.end() + after.end(), stop) if after else []
            if listed:  # "Chủ trì: Sở Nội vụ"
                out += [(a.text, role, False) for a in listed]
                continue
        if role == "thường trực" and re.search(r"ban chỉ đạo|hội đồng", clause[m.end():m.end() + 20], re.IGNORECASE) \
                and "cơ quan" not in prefix:
            continue  # "Thường trực Ban Chỉ đạo" is a body, not a role given here
        out += [(a, role, from_heading) for a in subjects]
    return _unique(out)


def _unique(found: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for agency, role, heading in found:
        key = (canonical_agency(agency), role)
        if key not in seen:
            seen.add(key)
            unique.append((agency, role, heading))
    return unique


_LINE_OWNER = re.compile(r"^[-•*]\s+")


def extract_responsibilities(parsed: ParsedDocument, meta: Mapping[str, Any]) -> list[Responsibility]:
    """Responsibilities, read sentence by sentence (not clause by clause: a list of agencies joined by
    ";" is often the subject of one role, as in "Điều 3. Chánh Văn phòng …; Thủ trưởng … chịu trách nhiệm")."""
    doc_id, province = str(meta.get("doc_id", "")), str(meta.get("province", ""))
    out: list[Responsibility] = []
    by_path = {section.path: section for section in parsed.sections}
    for section in parsed.sections:
        if section.kind not in {"body", "preamble"} or not section.lines:
            continue
        owners = _section_owners(section, by_path)
        headings = section_headings(section, by_path)
        line_owners: list[str] = []
        for clause in clauses(section, split_semicolons=False):
            text = clause.text
            if not text.startswith("+"):
                # "- Sở Nội vụ chủ trì, phối hợp …:" owns the "+" items below it
                lead = _leading_agencies(text) if _LINE_OWNER.match(text) else []
                line_owners = [f.text for f in lead] if lead and (text.rstrip().endswith(":") or len(text) < 160) else []
            current = line_owners if text.startswith("+") and line_owners else owners
            assigned = _assign(text, current)
            if not assigned:
                continue
            role_match = _ROLE_WORD.search(text)
            task = _task(text, role_match.end() if role_match else 0, section)
            area = area_of(text, headings)
            for agency_text, role, from_heading in assigned:
                out.append(Responsibility(
                    doc_id=doc_id, province=province, agency=canonical_agency(agency_text), agency_text=agency_text,
                    role=role, task=task, area=area, section=section.breadcrumb, sentence=text,
                    start=clause.start, end=clause.end, agency_from_heading=from_heading,
                ))
    return out
