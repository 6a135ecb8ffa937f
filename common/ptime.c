/* summary: ISO 8601 formatting and parsing of packet times (UTC only). */
#include "common/ptime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 for a proleptic Gregorian date; avoids timegm()'s
 * dependence on the process time zone and on glibc extensions. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Every stored call formats two times: by hand, not through printf's format parser. */
void ptime_iso(struct ptime t, char *buf)
{
    time_t secs = (time_t)t.sec;
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, PTIME_ISO_LEN, "invalid-time");
        return;
    }
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) {
        snprintf(buf, PTIME_ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", year, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(t.nsec / 1000));
        return;
    }
    char *p = put_digits(buf, (unsigned)year, 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)tm.tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, (unsigned)tm.tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)tm.tm_sec, 2);
    *p++ = '.';
    p = put_digits(p, (unsigned)(t.nsec / 1000) % 1000000, 6);
    *p++ = 'Z';
    *p = '\0';
}

static int take_num(const char **s, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += digits;
    *out = v;
    return 0;
}

int ptime_parse_iso(const char *s, struct ptime *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    uint32_t nsec = 0;
    if (take_num(&s, 4, &y) || *s++ != '-' || take_num(&s, 2, &mo) || *s++ != '-' ||
        take_num(&s, 2, &d))
        return -1;
    if (*s == 'T' || *s == ' ') {
        s++;
        if (take_num(&s, 2, &h) || *s++ != ':' || take_num(&s, 2, &mi))
            return -1;
        if (*s == ':') {
            s++;
            if (take_num(&s, 2, &sec))
                return -1;
            if (*s == '.') {
                s++;
                uint32_t scale = 100000000;
                if (*s < '0' || *s > '9')
                    return -1;
                for (; *s >= '0' && *s <= '9'; s++) {
                    nsec += (uint32_t)(*s - '0') * scale;
                    scale /= 10;
                }
            }
        }
    }
    if (*s == 'Z')
        s++;
    else if (strcmp(s, "+00:00") == 0)
        s += 6;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 ||
        d > mdays[mo - 1] + (mo == 2 && leap))
        return -1;
    out->sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    out->nsec = nsec;
    return 0;
}
