package io.taskforce.api;

/**
 * A task together with the tenant it belongs to: an item of the operators' listing across all
 * tenants ({@code Taskforce.listAllTasks}). Tenants' own listings never carry it.
 */
public record TenantTask(String tenant, TaskView task) {}
