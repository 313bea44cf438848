/* metrics.c — the table of recorded metrics: names, units and meanings used everywhere. */
#include <string.h>

#include "metrics.h"

const struct metric_info metric_table[METRIC_COUNT] = {
    [METRIC_HARM] = {"harm", "harm", "harm suffered: severity of impacts plus harm per tick", 0},
    [METRIC_ARRIVALS] = {"arrivals", "count", "threats arrived that target this state", 1},
    [METRIC_DETECTIONS] = {"detections", "count", "detections made by this state", 1},
    [METRIC_CUED_DETECTIONS] = {"cued_detections", "count",
                                "detections made while holding intel on the threat", 1},
    [METRIC_INTERDICTIONS] = {"interdictions", "count", "threats this state neutralised", 1},
    [METRIC_IMPACTS] = {"impacts", "count", "threats that impacted this state", 1},
    [METRIC_REPORTS_SHARED] = {"reports_shared", "count",
                               "reports this state sent, one per receiver", 1},
    [METRIC_REPORTS_WITHHELD] = {"reports_withheld", "count",
                                 "reports in scope that this state did not send", 1},
    [METRIC_LEAKS] = {"leaks", "count", "reports from this state that leaked at a receiver", 1},
    [METRIC_SHARING_COST] = {"sharing_cost", "harm", "cost of the reports this state shared", 0},
    [METRIC_LOSS] = {"loss", "harm", "harm plus sharing cost (plus measure cost share)", 0},
    [METRIC_ENGAGEMENTS] = {"engagements", "count", "engagements by this state's units", 1},
    [METRIC_BUSY_UNIT_TICKS] = {"busy_unit_ticks", "unit*tick",
                                "unit-ticks this state's units spent engaged", 1},
    [METRIC_DETECT_OWN] = {"detections_own", "count",
                           "detections that the state's own detection probability made", 1},
    [METRIC_DETECT_BORDER] = {"detections_border", "count",
                              "detections that the border bonus added", 1},
    [METRIC_DETECT_CUE] = {"detections_cue", "count", "detections that a report's cue added", 1},
    [METRIC_DETECT_NETWORK] = {"detections_network", "count",
                               "detections that network intelligence added", 1},
    [METRIC_DETECT_UPSTREAM] = {"detections_upstream", "count",
                                "detections by upstream collection in external areas", 1},
    [METRIC_IMPACTS_MITIGATED] = {"impacts_mitigated", "count",
                                  "impacts on this state softened because it was warned", 1},
    [METRIC_HARM_MITIGATED] = {"harm_mitigated", "harm", "harm that warnings averted", 0},
    [METRIC_NETWORK_SENT] = {"network_sent", "count",
                             "network reports this state sent, one per receiver", 1},
    [METRIC_NETWORK_RECEIVED] = {"network_received", "count",
                                 "network reports that reached this state still valid", 1},
    [METRIC_NETWORK_LEAKED] = {"network_leaked", "count",
                               "network reports from this state that leaked at a receiver", 1},
    [METRIC_EXPLOITS] = {"exploits", "count", "reports this state exploited as a receiver", 1},
    [METRIC_EXPLOITS_DETECTED] = {"exploits_detected", "count",
                                  "reports this state exploited whose sender caught it", 1},
    [METRIC_EXPLOIT_GAIN] = {"exploit_gain", "harm",
                             "gain of the reports this state exploited (subtracted from its loss)",
                             0},
    [METRIC_REPORTS_EXCLUDED] = {"reports_excluded", "count",
                                 "reports this state withheld from receivers it excluded", 1},
};

int metric_by_name(const char *name) {
    for (int m = 0; m < METRIC_COUNT; m++)
        if (strcmp(metric_table[m].name, name) == 0) return m;
    return -1;
}
