"""A catalogue of bad submissions, each with what the grader must make of it (see ``cases.py``)."""

# Docker's default capability set is what remains: capsh --drop=DOCKER_DROPS simulates a container's root.
DOCKER_DROPS = ("cap_sys_admin,cap_net_admin,cap_sys_ptrace,cap_sys_module,cap_sys_rawio,cap_sys_boot,cap_sys_time,"
                "cap_syslog,cap_mac_admin,cap_mac_override,cap_sys_resource,cap_ipc_lock,cap_sys_nice,cap_sys_pacct,"
                "cap_sys_tty_config,cap_lease,cap_audit_control,cap_wake_alarm,cap_block_suspend,cap_linux_immutable,"
                "cap_bpf,cap_perfmon,cap_checkpoint_restore")
