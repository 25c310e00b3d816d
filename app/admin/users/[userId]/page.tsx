import type { Metadata } from "next";
import Link from "next/link";
import { EventTable } from "@/components/audit-log";
import { Fact } from "@/components/fact";
import { UtcTime } from "@/components/utc-time";
import { getUserDetail } from "@/lib/admin";
import { listAuditEvents } from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import { requirePagePlatformAdmin } from "@/lib/http";
import { DetailHeader } from "../../detail-header";
import { orNotFound } from "../../or-not-found";
import { UserActions } from "./user-actions";

export const metadata: Metadata = { title: "User" };

type Props = { params: Promise<{ userId: string }> };

/** One account: its facts, its organizations, what an admin can do to it, and its latest events. */
export default async function AdminUserPage({ params }: Props) {
  const admin = await requirePagePlatformAdmin();
  const { userId } = await params;
  const user = await orNotFound(getUserDetail(userId));
  const recent = await listAuditEvents(
    { kind: "platform" },
    { actor: user.id },
    { limit: 10, directory: auditDirectory },
  );

  return (
    <div className="max-w-6xl space-y-8">
      <DetailHeader back={{ href: "/admin/users", label: "Users" }} title={user.email}>
        {user.isPlatformAdmin ? (
          <p className="mt-1 text-sm font-medium text-slate-700">Platform admin</p>
        ) : null}
      </DetailHeader>

      <dl className="grid gap-x-8 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
        <Fact term="Name">{user.name ?? <span className="text-slate-500">not given</span>}</Fact>
        <Fact term="Email verified">{user.emailVerified ? "yes" : "no"}</Fact>
        <Fact term="Two-factor authentication">{user.mfaEnabled ? "on" : "off"}</Fact>
        <Fact term="Status">
          {user.disabled ? (
            <span className="font-semibold text-red-700">
              disabled since <UtcTime iso={user.disabledAt} />
            </span>
          ) : (
            "active"
          )}
        </Fact>
        <Fact term="Locked after failed sign-ins">
          {user.lockedUntil ? (
            <>
              until <UtcTime iso={user.lockedUntil} />
            </>
          ) : (
            "no"
          )}
        </Fact>
        <Fact term="Deletion scheduled">
          {user.deletionScheduledAt ? <UtcTime iso={user.deletionScheduledAt} /> : "no"}
        </Fact>
        <Fact term="Last sign-in">
          <UtcTime iso={user.lastSignInAt} />
        </Fact>
        <Fact term="Created">
          <UtcTime iso={user.createdAt} />
        </Fact>
        <Fact term="User id">
          <code className="font-mono text-xs">{user.id}</code>
        </Fact>
      </dl>

      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading" className="text-lg font-semibold">
          Actions
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Each is recorded in the audit log with you as the actor.
        </p>
        <div className="mt-4">
          <UserActions
            userId={user.id}
            disabled={user.disabled}
            isSelf={user.id === admin.id}
            emailVerified={user.emailVerified}
          />
        </div>
      </section>

      <section aria-labelledby="memberships-heading">
        <h2 id="memberships-heading" className="text-lg font-semibold">
          Organizations
        </h2>
        {user.memberships.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">Not a member of any organization.</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 text-sm">
            {user.memberships.map((membership) => (
              <li
                key={membership.org.id}
                className="flex flex-wrap items-center justify-between gap-2 px-3 py-2"
              >
                <span>
                  {membership.org.name}{" "}
                  <span className="font-mono text-xs text-slate-500">{membership.org.slug}</span>
                </span>
                <span className="text-slate-700">
                  {membership.role.toLowerCase()} since <UtcTime iso={membership.since} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading" className="text-lg font-semibold">
          Latest activity
        </h2>
        {recent.events.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No events by this user.</p>
        ) : (
          <div className="mt-2">
            <EventTable events={recent.events} platform />
          </div>
        )}
        <p className="mt-2 text-sm">
          <Link
            href={`/admin/audit?actor=${user.id}`}
            className="text-indigo-700 underline underline-offset-4"
          >
            All events by this user
          </Link>
        </p>
      </section>
    </div>
  );
}
