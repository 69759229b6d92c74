import { Field, ID, Int, ObjectType } from 'type-graphql';

import type * as domain from '../../domain/changes';
import {
  AddressChange,
  ByteCountChange,
  FilesystemRef,
  FilesystemUsageChange,
  InterfaceRef,
  PackageRef,
  PackageVersionChange,
  UpdateRef,
  ValueChange,
} from './change-items.type';

@ObjectType()
export class OsChanges implements domain.OsChanges {
  @Field(() => ValueChange, { nullable: true, description: 'Kernel release (uname -r).' })
  kernel!: ValueChange | null;
  @Field(() => ValueChange, {
    nullable: true,
    description: 'The OS release as os-release names it (PRETTY_NAME, else NAME and VERSION).',
  })
  version!: ValueChange | null;
}

@ObjectType({
  description:
    'Packages by name and architecture. Upgraded or downgraded by the manager’s own version order (dpkg, rpm; pacman and apk by rpm’s).',
})
export class PackageChanges implements domain.PackageChanges {
  @Field(() => String)
  manager!: string;
  @Field(() => [PackageRef])
  added!: PackageRef[];
  @Field(() => [PackageRef])
  removed!: PackageRef[];
  @Field(() => [PackageVersionChange])
  upgraded!: PackageVersionChange[];
  @Field(() => [PackageVersionChange])
  downgraded!: PackageVersionChange[];
}

@ObjectType({
  description:
    'Pending updates by name, architecture and available version: a newer build replacing a pending one is one of each.',
})
export class UpdateChanges implements domain.UpdateChanges {
  @Field(() => [UpdateRef])
  newlyAvailable!: UpdateRef[];
  @Field(() => [UpdateRef])
  noLongerPending!: UpdateRef[];
}

@ObjectType({ description: 'Filesystems by mount point and source.' })
export class FilesystemChanges implements domain.FilesystemChanges {
  @Field(() => [FilesystemRef])
  added!: FilesystemRef[];
  @Field(() => [FilesystemRef])
  removed!: FilesystemRef[];
  @Field(() => [FilesystemUsageChange])
  usageChanged!: FilesystemUsageChange[];
}

@ObjectType({ description: 'Memory and swap totals; null where the total did not move.' })
export class MemoryChanges implements domain.MemoryChanges {
  @Field(() => ByteCountChange, { nullable: true })
  totalBytes!: ByteCountChange | null;
  @Field(() => ByteCountChange, { nullable: true })
  swapTotalBytes!: ByteCountChange | null;
}

@ObjectType({ description: 'Interfaces by name; addresses only of interfaces both scans saw.' })
export class InterfaceChanges implements domain.InterfaceChanges {
  @Field(() => [InterfaceRef])
  added!: InterfaceRef[];
  @Field(() => [InterfaceRef])
  removed!: InterfaceRef[];
  @Field(() => [AddressChange])
  addressesAdded!: AddressChange[];
  @Field(() => [AddressChange])
  addressesRemoved!: AddressChange[];
}

@ObjectType({
  description:
    'What changed since the previous finished (COMPLETED or PARTIAL) scan of the same host and type, computed once when this scan ended. A section is null when either scan lacks it (its type does not probe it, or the step failed); an empty list means compared and unchanged.',
})
export class ScanChanges implements domain.ScanChanges {
  @Field(() => ID, { description: 'The scan this one is compared with.' })
  previousScanId!: string;
  @Field(() => Int, { description: 'How many single changes are listed (Scan.changeCount).' })
  count!: number;
  @Field(() => OsChanges, { nullable: true })
  os!: OsChanges | null;
  @Field(() => PackageChanges, { nullable: true })
  packages!: PackageChanges | null;
  @Field(() => UpdateChanges, { nullable: true, description: 'PATCHES scans only.' })
  updates!: UpdateChanges | null;
  @Field(() => FilesystemChanges, { nullable: true })
  filesystems!: FilesystemChanges | null;
  @Field(() => MemoryChanges, { nullable: true })
  memory!: MemoryChanges | null;
  @Field(() => InterfaceChanges, { nullable: true })
  interfaces!: InterfaceChanges | null;
}
